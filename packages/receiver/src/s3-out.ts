import type { SignerRole, SigningKey } from '@llm-workbench/evidence';
import type { BundleSink } from '@llm-workbench/sink';

/** Whether `--out` names an S3 prefix (`s3://bucket/prefix`) rather than a folder. */
export function isS3Out(out: string): boolean {
  return out.startsWith('s3://');
}

/**
 * The sink of `workbench serve --out s3://bucket/prefix`: an S3BundleSink (loaded only then, so
 * a receiver writing to a folder never loads the AWS SDK) with the receiver's ledger and signing
 * settings, checked at once (the bucket must exist and the credentials reach it). The endpoint is
 * `--s3-endpoint`, else `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`; credentials come from the AWS
 * environment (never logged). Throws with a reason when the URL is bad or the bucket out of reach.
 *
 * @example
 * const sink = await openS3Out('s3://bundles/prod', { ledger: true, signingKey: undefined }, undefined, process.env);
 */
export async function openS3Out(
  url: string,
  options: { ledger: boolean; signingKey?: SigningKey | undefined; signerRole?: SignerRole },
  endpoint: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<BundleSink & { readonly url: string }> {
  const { S3BundleSink, describeS3Error } = await import('@llm-workbench/s3-sink');
  const sink = S3BundleSink.fromUrl(url, {
    ledger: options.ledger,
    signingKey: options.signingKey,
    signerRole: options.signerRole ?? 'receiver',
    endpoint,
    env,
  });
  try {
    await sink.checkAccess();
  } catch (err) {
    await sink.shutdown();
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new Error(`${url}: ${describeS3Error(cause)}`, { cause: err });
  }
  return sink;
}
