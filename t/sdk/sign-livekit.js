// LiveKit's own webhook code (livekit-server-sdk), for t/07-provider-signatures.t.
//   LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… node sign-livekit.js sign BODY_FILE
//       prints the Authorization value LiveKit sends: an AccessToken whose
//       sha256 claim is base64(SHA-256(body)), as WebhookReceiver.receive checks
//       it (dist/WebhookReceiver.js: btoa of the digest, compared with claims.sha256),
//       valid for 5 minutes like LiveKit's notifier
//   LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… node sign-livekit.js verify BODY_FILE TOKEN
//       prints "ok" or "rejected: <why>" (WebhookReceiver.receive)
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { AccessToken, WebhookReceiver } = require('livekit-server-sdk');

async function main() {
  const [mode, file, token] = process.argv.slice(2);
  const key = process.env.LIVEKIT_API_KEY;
  const secret = process.env.LIVEKIT_API_SECRET;
  if (!key || !secret || !file) throw new Error('usage: LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… sign-livekit.js sign|verify BODY_FILE [TOKEN]');
  const body = fs.readFileSync(file, 'utf8');
  const receiver = new WebhookReceiver(key, secret);
  if (mode === 'sign') {
    const at = new AccessToken(key, secret, { ttl: '5m' });
    at.sha256 = crypto.createHash('sha256').update(body, 'utf8').digest('base64');
    const jwt = await at.toJwt();
    await receiver.receive(body, jwt);  // throws if the SDK refuses its own token
    process.stdout.write(jwt + '\n');
  } else if (mode === 'verify') {
    try {
      await receiver.receive(body, token);
      process.stdout.write('ok\n');
    } catch (e) {
      process.stdout.write('rejected: ' + String(e.message).split('\n')[0] + '\n');
    }
  } else {
    throw new Error('unknown mode ' + mode);
  }
}
main().catch((e) => { console.error(e.message); process.exit(2); });
