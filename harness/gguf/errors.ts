import { GauntletError } from '../util/errors.ts';

/** Stable codes of every way a GGUF file can be rejected. */
export type GgufErrorCode =
  | 'GGUF_EMPTY_FILE'
  | 'GGUF_TRUNCATED'
  | 'GGUF_BAD_MAGIC'
  | 'GGUF_BAD_VERSION'
  | 'GGUF_BAD_TENSOR_COUNT'
  | 'GGUF_BAD_KV_COUNT'
  | 'GGUF_BAD_STRING_LENGTH'
  | 'GGUF_BAD_UTF8'
  | 'GGUF_EMPTY_KEY'
  | 'GGUF_DUPLICATE_KEY'
  | 'GGUF_BAD_VALUE_TYPE'
  | 'GGUF_NESTED_ARRAY'
  | 'GGUF_BAD_ARRAY_LENGTH'
  | 'GGUF_BAD_BOOL'
  | 'GGUF_BAD_ALIGNMENT'
  | 'GGUF_BAD_TENSOR_NAME'
  | 'GGUF_DUPLICATE_TENSOR'
  | 'GGUF_BAD_NDIMS'
  | 'GGUF_BAD_DIM'
  | 'GGUF_BAD_TENSOR_TYPE'
  | 'GGUF_BAD_SHAPE'
  | 'GGUF_BAD_TENSOR_OFFSET'
  | 'GGUF_TRUNCATED_DATA'
  | 'GGUF_IO'
  // semantic (check.ts)
  | 'GGUF_BAD_ARCHITECTURE'
  | 'GGUF_MISSING_KEY'
  | 'GGUF_WRONG_KEY_TYPE'
  | 'GGUF_BAD_HPARAM'
  | 'GGUF_BAD_VOCAB'
  | 'GGUF_DUPLICATE_TOKEN'
  | 'GGUF_BAD_TOKEN_ID'
  | 'GGUF_MISSING_TENSOR'
  | 'GGUF_UNEXPECTED_TENSOR'
  | 'GGUF_WRONG_SHAPE'
  | 'GGUF_WRONG_TENSOR_TYPE'
  | 'GGUF_NON_FINITE';

// GgufFormatError is a GauntletError at run time (generic handlers print it), with a GGUF-specific code.
const Base = GauntletError as unknown as new (
  code: string,
  message: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
) => Error & { details: Record<string, unknown> };

/** A malformed GGUF file: stable code, absolute byte offset of the bad field, and the field's name. */
export class GgufFormatError extends Base {
  readonly code: GgufErrorCode;
  readonly offset: number;
  readonly field: string;
  constructor(code: GgufErrorCode, offset: number, field: string, message: string, cause?: unknown) {
    super(code, `${message} (at byte ${offset}, field ${field})`, { cause, details: { offset, field } });
    this.name = 'GgufFormatError';
    this.code = code;
    this.offset = offset;
    this.field = field;
  }
}

export function isGgufFormatError(e: unknown): e is GgufFormatError {
  return e instanceof GgufFormatError;
}
