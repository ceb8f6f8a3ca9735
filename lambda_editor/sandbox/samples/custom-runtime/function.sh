# The handler "function.handler": the event JSON comes as $1, the response JSON goes to stdout.
handler() {
  printf '{"message": "Hello from a custom runtime", "event": %s}\n' "${1:-null}"
}
