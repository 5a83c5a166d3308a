/** The TCP forwarder's process (tcp-forwarder.ts): `{listen, target}` as argv[2]. */
import net from 'node:net';

const { listen, target } = JSON.parse(process.argv[2] ?? '{}') as {
  listen: { host: string; port: number };
  target: { host: string; port: number };
};
const server = net.createServer((client) => {
  const upstream = net.connect(target.port, target.host);
  client.pipe(upstream).pipe(client);
  // Either side's reset ends both: what a plain TCP path would do.
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(listen.port, listen.host, () => console.log('forwarder ready'));
process.on('SIGTERM', () => process.exit(0));
