#!/bin/sh
# The bootstrap of the Node cold-start peer (a custom runtime): the Lambda
# emulator starts this file; it runs handler.js with the node on PATH.
exec node "$(dirname "$0")/handler.js"
