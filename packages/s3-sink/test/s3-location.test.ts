import { describe, expect, it } from 'vitest';
import { isS3Url, normalizePrefix, parseS3Url } from '../src/index.js';

describe('parseS3Url', () => {
  it('splits s3://bucket/key, keeping the key as given', () => {
    expect(parseS3Url('s3://bundles/prod/a b.json')).toEqual({
      ok: true,
      location: { bucket: 'bundles', key: 'prod/a b.json' },
    });
    expect(parseS3Url('s3://bundles')).toEqual({
      ok: true,
      location: { bucket: 'bundles', key: '' },
    });
    expect(parseS3Url('s3://bundles/')).toEqual({
      ok: true,
      location: { bucket: 'bundles', key: '' },
    });
  });

  it('refuses what is not an s3 URL, a bad bucket name, and keys with control characters or over 1024 bytes', () => {
    expect(parseS3Url('bundles/a.json')).toMatchObject({
      ok: false,
      issue: { code: 'not_s3_url' },
    });
    for (const bad of [
      's3://B',
      's3://ab',
      's3://-bad/x',
      's3://a..b/x',
      's3://a_b/x',
      's3:///x',
    ]) {
      expect(parseS3Url(bad)).toMatchObject({ ok: false, issue: { code: 'invalid_bucket' } });
    }
    expect(parseS3Url('s3://bundles/a\u0000b')).toMatchObject({
      ok: false,
      issue: { code: 'invalid_key' },
    });
    expect(parseS3Url('s3://bundles/a\nb')).toMatchObject({
      ok: false,
      issue: { code: 'invalid_key' },
    });
    expect(parseS3Url(`s3://bundles/${'k'.repeat(1025)}`)).toMatchObject({
      ok: false,
      issue: { code: 'invalid_key' },
    });
  });

  it('tells s3 URLs from paths', () => {
    expect(isS3Url('s3://b/k')).toBe(true);
    expect(isS3Url('./s3://b')).toBe(false);
  });
});

describe('normalizePrefix', () => {
  it("adds the trailing '/' and accepts the bucket's root", () => {
    expect(normalizePrefix('')).toEqual({ ok: true, prefix: '' });
    expect(normalizePrefix('prod/bundles')).toEqual({ ok: true, prefix: 'prod/bundles/' });
    expect(normalizePrefix('prod/bundles/')).toEqual({ ok: true, prefix: 'prod/bundles/' });
    expect(normalizePrefix('team=a/run.2026')).toEqual({ ok: true, prefix: 'team=a/run.2026/' });
  });

  it('refuses segments that could reach elsewhere or confuse a listing', () => {
    for (const bad of [
      '/abs',
      'a//b',
      '../x',
      'a/../b',
      './a',
      'a/.',
      '.',
      'a b',
      'a\u0000b',
      'a\\b',
      '//',
      'a?b',
      'a#b',
      'é',
    ]) {
      expect(normalizePrefix(bad), bad).toMatchObject({
        ok: false,
        issue: { code: 'invalid_prefix' },
      });
    }
    expect(normalizePrefix('a'.repeat(513))).toMatchObject({ ok: false });
  });
});
