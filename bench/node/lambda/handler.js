// The Node peer of the Lambda cold-start benchmark: a custom runtime that
// requires twilio at init, as a Node handler does, then serves invocations
// through the Lambda Runtime API over HTTP, checking each call with
// twilio.validateRequest. It handles REST API proxy events (payload 1.0).
// See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
"use strict";

const http = require("node:http");
const querystring = require("node:querystring");
const twilio = require("twilio");

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const token = process.env.AUTH_TOKEN;
const base = `/2018-06-01/runtime/invocation`;

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const [host, port] = api.split(":");
    const req = http.request({ host, port, path, method }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function handle(event) {
  const headers = event.headers || {};
  const ctx = event.requestContext || {};
  const url = `https://${ctx.domainName}${ctx.path}`;
  let body = event.body || "";
  if (event.isBase64Encoded) body = Buffer.from(body, "base64").toString();
  const params = querystring.parse(body);
  const sig = headers["X-Twilio-Signature"] || headers["x-twilio-signature"] || "";
  const xml = { "Content-Type": "text/xml" };
  if (!twilio.validateRequest(token, sig, url, params)) {
    return { statusCode: 403, headers: xml, body: "<Response/>" };
  }
  const reply = new twilio.twiml.MessagingResponse();
  reply.message("Hello, World");
  return { statusCode: 200, headers: xml, body: reply.toString() };
}

async function main() {
  for (;;) {
    const next = await request("GET", `${base}/next`);
    const id = next.headers["lambda-runtime-aws-request-id"];
    const result = JSON.stringify(handle(JSON.parse(next.body)));
    await request("POST", `${base}/${id}/response`, result);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
