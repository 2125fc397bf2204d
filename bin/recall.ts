#!/usr/bin/env -S npx tsx
// The SDK's notice about Node 22 (Lambda runs the newest runtime; these machines run Node 20).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Handlers run in-process by `recall invoke`: their logs at WARN and no metrics, unless asked.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The tracer is off outside Lambda; in its default mode the X-Ray SDK still hooks every promise
// of the process (cls-hooked), about a tenth of a demo's time.
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
const { main } = await import('../lib/cli/main.ts');

process.exitCode = await main(process.argv.slice(2));
