/** Wire protocol version. Bump on any incompatible change to messages or the frame header. */
export const PROTOCOL_VERSION = 2;
