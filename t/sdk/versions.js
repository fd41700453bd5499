// The installed versions of the providers' packages, for the test's report.
'use strict';
const fs = require('fs');
const path = require('path');
const out = {};
for (const name of Object.keys(require('./package.json').dependencies)) {
  // Read the file: some packages do not export ./package.json.
  out[name] = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
}
process.stdout.write(JSON.stringify(out) + '\n');
