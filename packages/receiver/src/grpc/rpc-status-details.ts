/**
 * The few protobuf messages of `grpc-status-details-bin`, written by hand: a `google.rpc.Status`
 * whose details hold one `google.rpc.RetryInfo`. Too small to need generated code.
 */

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-delimited field (wire type 2). */
function field(fieldNumber: number, bytes: Uint8Array | number[]): number[] {
  return [...varint((fieldNumber << 3) | 2), ...varint(bytes.length), ...bytes];
}

/**
 * Encodes `google.rpc.Status { code, message, details: [Any(RetryInfo { retry_delay: seconds })] }`,
 * the trailer OTLP/gRPC clients read to know that, and when, to retry.
 *
 * @example
 * metadata.set('grpc-status-details-bin', Buffer.from(encodeRetryStatus(14, 'shutting down', 5)));
 */
export function encodeRetryStatus(code: number, message: string, retrySeconds: number): Uint8Array {
  const seconds = Math.max(0, Math.floor(retrySeconds));
  // google.protobuf.Duration { int64 seconds = 1; }: an empty message means zero.
  const duration = seconds > 0 ? [0x08, ...varint(seconds)] : [];
  const retryInfo = field(1, duration);
  const any = [...field(1, Buffer.from(RETRY_INFO_TYPE, 'utf8')), ...field(2, retryInfo)];
  const out = [
    ...(code !== 0 ? [0x08, ...varint(code)] : []),
    ...(message !== '' ? field(2, Buffer.from(message, 'utf8')) : []),
    ...field(3, any),
  ];
  return Uint8Array.from(out);
}
