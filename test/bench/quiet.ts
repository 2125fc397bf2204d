/** The environment the bench was started with, before the lines below: what a child started "as npm start starts it" gets. */
export const STARTING_ENV: Readonly<NodeJS.ProcessEnv> = { ...process.env };

// Imported first by the bench: the handlers' Powertools logger and metrics would print a line per
// invocation between the tables (both read these when their modules load).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// As the CLI (bin/recall.ts): the tracer is off outside Lambda, but the X-Ray SDK's default mode
// hooks every promise (cls-hooked), which would weigh on whatever a section measures in-process.
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
