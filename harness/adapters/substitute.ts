/** Replaces `{name}` placeholders in each argv element; unknown placeholders are left as they are. */
export function substituteArgs(argv: string[], values: Record<string, string | number | undefined>): string[] {
  return argv.map((arg) =>
    arg.replace(/\{([a-zA-Z]+)\}/g, (whole, key: string) => {
      const v = values[key];
      return v === undefined ? whole : String(v);
    }),
  );
}
