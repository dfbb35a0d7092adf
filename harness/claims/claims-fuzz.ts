/** Fuzzing the wire (scenario fuzz): seeded malformed frames and requests, with valid probes in between. */
import { src } from './seeds.ts';
import type { Claim } from './types.ts';

export const FUZZ_CLAIMS: Claim[] = [
  {
    id: 'embedder-survives-fuzz',
    kind: 'target',
    title: 'Seeded malformed frames and requests never kill the embedder',
    source: src('000', '2. IPC PROTOCOL SPECIFICATION'),
    alsoIn: [src('000', '4. ERROR HANDLING & RECOVERY > Process Crash Detection')],
    metric: 'fuzz.crashes',
    threshold: 'count==0',
    stated: 'protocol limits: 64KB messages, 10 texts per batch, errors answered as messages',
    appliesTo: ['process', 'http'],
    severity: 'required',
    rationale: 'The seed\'s error-as-message contract holds for any input, not only the handful bad-input picks: an embedder (Rust, Python, C++) most likely dies on the frame nobody picked. Each crash is saved in the report as a replayable case (seed, index, bytes). Required: a crash-safety property.',
  },
  {
    id: 'fuzz-probes-correct',
    kind: 'target',
    title: 'Valid requests between malformed ones still get the right vector',
    source: src('000', '2. IPC PROTOCOL SPECIFICATION'),
    metric: 'fuzz.probes.incorrect',
    threshold: 'count==0',
    stated: 'errors answered as messages: a bad request fails alone, the connection goes on',
    appliesTo: ['process', 'http'],
    severity: 'required',
    rationale: 'An embedder that survives garbage by corrupting its state (a desynchronised stream, a vector for the wrong request) is worse than one that crashes: the probe must match its first answer (cosine >= 0.9999, same dims). Required: a correctness property.',
  },
  {
    id: 'fuzz-no-hang',
    kind: 'target',
    title: 'No valid probe between malformed inputs goes unanswered past its deadline',
    source: src('001', 'FAILURE MODES & MITIGATION > IPC Communication Failure'),
    metric: 'fuzz.probes.unanswered',
    threshold: 'count==0',
    stated: 'IPC communication failure is detected and recovered from; requests do not wait forever',
    appliesTo: ['process', 'http'],
    severity: 'required',
    rationale: 'A frame that leaves the reader waiting for bytes that never come (or a slow client that blocks a single-threaded server) hangs every later request. Required: a crash-safety property.',
  },
];
