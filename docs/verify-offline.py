#!/usr/bin/env python3
"""Checks a run bundle and its DSSE signature with nothing but python3, sha256sum and openssl.

Usage: verify-offline.py BUNDLE.json [ENVELOPE.dsse.json TRUSTED.pub]   (see docs/evidence.md)
Prints OK lines and exits 0, or prints FAIL and exits 1. Checks the hash, the content
commitments (schema 3) and the signature; not the bundle schema (`workbench verify` does)."""
import base64, decimal, hashlib, json, os, subprocess, sys, tempfile


def canon(v):
    """RFC 8785: no spaces, keys in UTF-16 order, numbers as ECMAScript prints them."""
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode('utf-16-be'))
        return '{' + ','.join(canon(k) + ':' + canon(v[k]) for k in keys) + '}'
    if isinstance(v, list):
        return '[' + ','.join(map(canon, v)) + ']'
    if not isinstance(v, float):
        return json.dumps(v, ensure_ascii=False)  # strings, ints, true, false, null
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    neg, digits, exp = decimal.Decimal(repr(v)).as_tuple()
    d = ''.join(map(str, digits)); n = len(d) + exp  # v = 0.d * 10^n
    if -6 < n <= 0: r = '0.' + '0' * -n + d
    elif 0 < n <= 21: r = d[:n] + '.' + d[n:]
    else: r = d[0] + ('.' + d[1:] if d[1:] else '') + 'e' + ('+' if n > 0 else '-') + str(abs(n - 1))
    return ('-' if neg else '') + r


def fail(why): sys.exit('FAIL ' + why)
def unique(pairs): return dict(pairs) if len(dict(pairs)) == len(pairs) else fail('a member repeats')
def load(path): return json.load(open(path, encoding='utf-8'), object_pairs_hook=unique, parse_constant=fail)
def run(*cmd, data=None): return subprocess.run(cmd, input=data, capture_output=True)
def sha256sum(data): return run('sha256sum', data=data).stdout.split()[0].decode()


bundle = load(sys.argv[1])
claimed = bundle.pop('integrity')['sha256']
if bundle.get('schemaVersion', 1) >= 3:  # the hash covers commitments; each content matches its own
    bundle.pop('redactions', None)
    refs = [(a, k, c) for a in bundle.get('artifacts', []) for k, c in (('content', 'sha256'), ('patch', 'patchSha256'))]
    refs += [(e[r], 'content', 'sha256') for e in bundle.get('events', []) if e.get('type') == 'tool_call'
             for r in ('arguments', 'result') if isinstance(e.get(r), dict)]
    refs += [(m[r], 'content', 'sha256') for m in bundle.get('model_io', []) for r in ('input', 'output')
             if isinstance(m.get(r), dict)]
    for holder, key, commitment in refs:
        if holder.get(key) is not None and hashlib.sha256(holder[key].encode()).hexdigest() != holder.get(commitment):
            fail(f'a {key} does not match its {commitment}: content changed')
        holder[key] = None
if sha256sum(canon(bundle).encode()) != claimed:
    fail('integrity: the sha256 of the RFC 8785 form is not integrity.sha256')
print('OK   integrity', claimed)
if len(sys.argv) < 4:
    sys.exit(0)

env, pub = load(sys.argv[2]), sys.argv[3]
payload = base64.b64decode(env['payload'], validate=True)
statement = json.loads(payload)
if env['payloadType'] != 'application/vnd.in-toto+json' or claimed not in [s['digest']['sha256'] for s in statement['subject']]:
    fail('the envelope does not vouch for this bundle')
keyid = sha256sum(run('openssl', 'pkey', '-pubin', '-in', pub, '-outform', 'DER').stdout)
with tempfile.TemporaryDirectory() as tmp:
    pae, sig = os.path.join(tmp, 'pae'), os.path.join(tmp, 'sig')
    with open(pae, 'wb') as f:  # DSSE signs "DSSEv1 len(type) type len(payload) payload"
        f.write(b'DSSEv1 %d %s %d %s' % (len(env['payloadType']), env['payloadType'].encode(), len(payload), payload))
    for s in env['signatures']:
        with open(sig, 'wb') as f: f.write(base64.b64decode(s['sig']))
        if run('openssl', 'pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', pae, '-sigfile', sig).returncode == 0:
            print('OK   signed by key', keyid, 'as', statement['predicate']['signerRole'])
            sys.exit(0)
fail('no signature verifies with key ' + keyid)
