// ElevenLabs' own webhook check (@elevenlabs/elevenlabs-js), for
// t/07-provider-signatures.t: is this ElevenLabs-Signature value, signed the
// way the test signs it, one that ElevenLabs' SDK accepts for these bytes?
//   ELEVENLABS_WEBHOOK_SECRET=… node check-elevenlabs.js BODY_FILE SIGNATURE_HEADER
//       prints "ok" or "rejected: <why>" (client.webhooks.constructEvent)
'use strict';
const fs = require('fs');
const { ElevenLabsClient } = require('@elevenlabs/elevenlabs-js');

async function main() {
  const [file, header] = process.argv.slice(2);
  const secret = process.env.ELEVENLABS_WEBHOOK_SECRET;
  if (!secret || !file || header === undefined) throw new Error('usage: ELEVENLABS_WEBHOOK_SECRET=… check-elevenlabs.js BODY_FILE HEADER');
  const body = fs.readFileSync(file, 'utf8');
  // No request is made: constructEvent is local. The API key is never used.
  const client = new ElevenLabsClient({ apiKey: 'unused-no-request-is-made' });
  try {
    await client.webhooks.constructEvent(body, header, secret);
    process.stdout.write('ok\n');
  } catch (e) {
    process.stdout.write('rejected: ' + String(e.message).split('\n')[0] + '\n');
  }
}
main().catch((e) => { console.error(e.message); process.exit(2); });
