"use strict";
// oracle.js answers a batch of questions about Twilio request signatures
// with Twilio's own Node helper library, so that the Go parity tests can
// compare package signature against it.
//
// Input (stdin), one JSON document:
//   {"params": [params, ...], "ops": [op, ...]}
// where each params maps a key to a string, or to an array of strings for a
// repeated key, as Express's body parsers deliver a form, and each op is one
// of the following, "p" being an index into params. Any op may carry
// "settings", an X-Twilio-Webhooks-Signature-Settings header: the algorithm
// that getSignatureAlgorithm reads from it is passed on, as the library's
// middleware does for SharedKey webhooks; "token" is then the secret.
//   {"op": "sign", "token", "url", "p"}
//       the signature getExpectedTwilioSignature computes
//   {"op": "validate", "token", "header", "url", "p"}
//       the verdict of validateRequest
//   {"op": "validateBody", "token", "header", "url", "body"}
//       the verdict of validateRequestWithBody
//   {"op": "signedOver", "form": "whatwg" | "legacy", "token", "url", "p"}
//       signs the WHATWG-normalised URL (or that URL with its query run
//       through Node's legacy querystring module) and asks validateRequest
//       about the URL as received with that signature
//
// Output (stdout): {"twilio": version, "node": version, "results": [...]},
// one result per op, in order: {"sig"} for sign, {"ok"} for the verdicts,
// {"ok", "signedURL", "sig"} for signedOver, and {"err"} when the library
// threw. A true validate or validateBody result also carries "forms", the
// normalised URLs the library falls back to, so that the Go side can tell
// which disagreements that normalisation explains.

const querystring = require("querystring");
const twilio = require("twilio");
const twilioVersion = require("twilio/package.json").version;

function whatwg(url) {
  return new URL(url).href;
}

// legacy re-encodes the query of url the way Node's querystring module
// parses and prints it.
function legacy(url) {
  const q = url.indexOf("?");
  if (q < 0 || q === url.length - 1) {
    return url;
  }
  const query = querystring.parse(url.slice(q + 1));
  return url.slice(0, q) + "?" + querystring.stringify(query);
}

function normalisedForms(url) {
  try {
    const href = whatwg(url);
    return [href, legacy(href)];
  } catch (e) {
    return [];
  }
}

function answer(op, table) {
  const params = table[op.p];
  const alg = op.settings ? twilio.getSignatureAlgorithm(op.settings) : undefined;
  switch (op.op) {
    case "sign":
      return {
        sig: twilio.getExpectedTwilioSignature(op.token, op.url, params, alg),
      };
    case "validate": {
      const ok = twilio.validateRequest(op.token, op.header, op.url, params, alg);
      return ok ? { ok, forms: normalisedForms(op.url) } : { ok };
    }
    case "validateBody": {
      const ok = twilio.validateRequestWithBody(op.token, op.header, op.url, op.body, alg);
      return ok ? { ok, forms: normalisedForms(op.url) } : { ok };
    }
    case "signedOver": {
      const href = whatwg(op.url);
      const signedURL = op.form === "legacy" ? legacy(href) : href;
      const sig = twilio.getExpectedTwilioSignature(op.token, signedURL, params, alg);
      const ok = twilio.validateRequest(op.token, sig, op.url, params, alg);
      return { ok, signedURL, sig };
    }
    default:
      throw new Error("unknown op " + JSON.stringify(op.op));
  }
}

function run(input) {
  const { params, ops } = JSON.parse(input);
  const results = ops.map((op) => {
    try {
      return answer(op, params);
    } catch (e) {
      return { err: String(e && e.message) };
    }
  });
  const out = JSON.stringify({
    twilio: twilioVersion,
    node: process.version,
    results,
  });
  process.stdout.write(out + "\n");
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => run(Buffer.concat(chunks).toString("utf8")));
