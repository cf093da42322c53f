// The Node peer of the server benchmarks: express with twilio.webhook(),
// the way Twilio's own guides protect an express app, answering with the
// same reply as the reference app.
//
//   AUTH_TOKEN=... PORT=8083 node server.js
"use strict";

const express = require("express");
const twilio = require("twilio");

const token = process.env.AUTH_TOKEN;
const port = Number(process.env.PORT || 8083);
if (!token) {
  console.error("AUTH_TOKEN is not set");
  process.exit(2);
}

const app = express();
app.post(
  "/sms",
  express.urlencoded({ extended: false }),
  twilio.webhook(token),
  (req, res) => {
    const reply = new twilio.twiml.MessagingResponse();
    reply.message(req.body.Body === "secret" ? "That word is not yours to use." : "Hello, World");
    res.type("text/xml").send(reply.toString());
  },
);

app.listen(port, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${port}`));
