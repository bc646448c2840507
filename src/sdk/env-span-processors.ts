import { dirname, join } from 'node:path';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { pluginDiag } from '../otel/guard';

type FromEnv = () => SpanProcessor[];

/**
 * The span processors `NodeSDK` builds from `OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_*` and
 * `OTEL_BSP_*`. NodeSDK drops that handling as soon as it is given `spanProcessors`, and the plugin
 * needs one of its own, so it asks the SDK's own builder for the rest: the variables keep exactly
 * the meaning the SDK gives them. The builder is internal to the pinned SDK version; if it ever
 * moves, undefined is returned and the SDK configures tracing alone (children then lack `enduser.id`).
 */
export function spanProcessorsFromEnv(): SpanProcessor[] | undefined {
  try {
    const sdkDir = dirname(require.resolve('@opentelemetry/sdk-node'));
    const utils = require(join(sdkDir, 'utils.cjs')) as { getSpanProcessorsFromEnv?: FromEnv };
    if (typeof utils.getSpanProcessorsFromEnv === 'function') return utils.getSpanProcessorsFromEnv();
  } catch {
    // reported below
  }
  pluginDiag.warn('cannot reach the SDK span processor builder; child spans will not carry enduser.id');
  return undefined;
}
