/**
 * Whether a private key file is protected by a passphrase. shipbench never asks for one (it would have to
 * live in a file, an argument or the environment); an encrypted key belongs in ssh-agent, which signs for us.
 */
export function isEncryptedPrivateKey(pem: string): boolean {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(pem)) return true;
  const openssh = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(pem);
  if (openssh === null) return false;
  // openssh-key-v1: the magic "openssh-key-v1\0", then the cipher name as an SSH string ("none" when plain).
  const body = Buffer.from((openssh[1] ?? '').replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (body.toString('latin1', 0, magic.length) !== magic || body.length < magic.length + 4) return false;
  const length = body.readUInt32BE(magic.length);
  return body.toString('latin1', magic.length + 4, magic.length + 4 + length) !== 'none';
}
