export { connectStreams, type StreamConnectionOptions } from './stream-connection.ts';
export { listenUds, connectUds, isNamedPipePath, type UdsServer } from './uds.ts';
export { serveHttp, HttpRequestError, type HttpServer, type HttpServeOptions, type HttpEmbedResult } from './http-server.ts';
export { httpEmbed, httpHealth, type HttpEmbedOptions } from './http-client.ts';
