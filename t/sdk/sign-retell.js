// Retell's own webhook code (retell-sdk), for t/07-provider-signatures.t.
//   RETELL_API_KEY=… node sign-retell.js sign BODY_FILE            prints Retell.sign(body, key)
//   RETELL_API_KEY=… node sign-retell.js verify BODY_FILE SIGNATURE prints true or false (Retell.verify)
'use strict';
const fs = require('fs');
const Retell = require('retell-sdk');

async function main() {
  const [mode, file, signature] = process.argv.slice(2);
  const key = process.env.RETELL_API_KEY;
  if (!key || !file) throw new Error('usage: RETELL_API_KEY=… sign-retell.js sign|verify BODY_FILE [SIGNATURE]');
  const body = fs.readFileSync(file, 'utf8');
  if (mode === 'sign') {
    const sig = await Retell.sign(body, key);
    // The SDK must take its own signature, or this check means nothing.
    if (!(await Retell.verify(body, key, sig))) throw new Error('Retell.verify refused Retell.sign');
    process.stdout.write(sig + '\n');
  } else if (mode === 'verify') {
    process.stdout.write(String(await Retell.verify(body, key, signature)) + '\n');
  } else {
    throw new Error('unknown mode ' + mode);
  }
}
main().catch((e) => { console.error(e.message); process.exit(2); });
