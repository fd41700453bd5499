// Validates answers of the Management API against docs/openapi.json.
// argv[2]: the OpenAPI document; stdin: a JSON array of
//   {"name", "route" (a path of the document, e.g. "/v1/calls/{recordId}"),
//    "method" (get when absent), "status", "body"}
// stdout: a JSON array of {"name", "ok", "errors"} in the same order.
'use strict';
const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const answers = JSON.parse(fs.readFileSync(0, 'utf8'));
// The document's own keywords (openapi, paths, ...) are not JSON Schema.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi.json');

const pointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function schemaRef(route, method, status) {
  const op = doc.paths[route] && doc.paths[route][method];
  if (!op) throw new Error(`no ${method.toUpperCase()} ${route} in the document`);
  let response = op.responses[String(status)];
  if (!response) throw new Error(`${method.toUpperCase()} ${route} documents no ${status} answer`);
  if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
  if (!response.content || !response.content['application/json']) throw new Error(`${route} ${status}: no JSON body documented`);
  const schema = response.content['application/json'].schema;
  if (schema.$ref) return `openapi.json${schema.$ref}`;
  return `openapi.json#/paths/${pointer(route)}/${method}/responses/${status}/content/${pointer('application/json')}/schema`;
}

const results = answers.map(({ name, route, method, status, body }) => {
  try {
    const validate = ajv.getSchema(schemaRef(route, (method || 'get').toLowerCase(), status));
    if (!validate) throw new Error(`schema for ${route} ${status} did not compile`);
    const ok = validate(body);
    return { name, ok, errors: ok ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`) };
  } catch (e) {
    return { name, ok: false, errors: [String(e.message)] };
  }
});
process.stdout.write(JSON.stringify(results));
