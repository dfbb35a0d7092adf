/** The connector the supervisor uses unless told otherwise: harness/transport's connectStreams with getCodec. */
import { getCodec } from '../protocol/codec.ts';
import { connectStreams } from '../transport/stream-connection.ts';
import type { StreamConnector } from './link.ts';

export const defaultConnector: StreamConnector = (readable, writable, codec, limits) =>
  connectStreams(readable, writable, getCodec(codec), limits);
