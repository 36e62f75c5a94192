// Serve one MBTiles file with VersaTiles (Rust, through its Node binding), for bench_tiles.py.
// Usage: NODE_PATH=<peers>/node_modules node versatiles_serve.js FILE PORT  ->  /tiles/bench/{z}/{x}/{y}
const { TileServer } = require('@versatiles/versatiles-rs-linux-x64-gnu');

async function main() {
  const [file, port] = process.argv.slice(2);
  const server = new TileServer({ ip: '127.0.0.1', port: Number(port) });
  await server.addTileSourceFromPath('bench', file);
  await server.start();
  console.log(`versatiles: serving ${file} at http://127.0.0.1:${port}/tiles/bench/`);
  setInterval(() => {}, 1 << 30);   // the server runs on Rust threads: keep Node alive
}

main().catch((err) => { console.error(err); process.exit(1); });
