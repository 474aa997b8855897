/**
 * The peer "bare aedes": the broker Townwatch embeds, with its default in-memory persistence and
 * no hooks, on a loopback port. TCP_NODELAY as in the gateway, so the difference measured is
 * what Townwatch adds (authorisation, validation, the durable journal), not Nagle.
 * Prints `listening <port>`.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer({ noDelay: true }, (socket) => {
  socket.setNoDelay(true);
  broker.handle(socket);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => {
  broker.close(() => server.close(() => process.exit(0)));
});
