import { dirname, join } from 'node:path';
import type { Sampler, TextMapPropagator } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { pluginDiag } from '../otel/plugin-diag';

interface EnvBuilders {
  getSpanProcessorsFromEnv?: () => SpanProcessor[];
  getPropagatorFromEnv?: () => TextMapPropagator | null | undefined;
}

let builders: EnvBuilders | undefined;

/**
 * NodeSDK's own builders for what the standard variables configure (`OTEL_TRACES_EXPORTER`,
 * `OTEL_EXPORTER_OTLP_*`, `OTEL_BSP_*`, `OTEL_PROPAGATORS`). NodeSDK drops that handling as soon as
 * it is given span processors or a propagator, and the plugin needs one of each, so it asks the
 * SDK's builders for the rest: the variables keep exactly the meaning the SDK gives them. They are
 * internal to the pinned SDK version; if they ever move, the SDK is left to configure itself.
 */
function envBuilders(): EnvBuilders {
  if (builders !== undefined) return builders;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file the SDK's exports do not name, found next to its entry point
    builders = require(join(dirname(require.resolve('@opentelemetry/sdk-node')), 'utils.cjs')) as EnvBuilders;
  } catch {
    builders = {};
  }
  return builders;
}

/** The span processors the variables configure, or undefined when the SDK's builder cannot be reached. */
export function spanProcessorsFromEnv(): SpanProcessor[] | undefined {
  const build = envBuilders().getSpanProcessorsFromEnv;
  if (typeof build === 'function') return build();
  pluginDiag.warn('cannot reach the SDK span processor builder; child spans will not carry enduser.id');
  return undefined;
}

/**
 * The propagator `OTEL_PROPAGATORS` configures: null for `none`, undefined when the variable is
 * unset (the SDK's default, W3C trace context and baggage, applies).
 */
export function propagatorFromEnv(): TextMapPropagator | null | undefined {
  const build = envBuilders().getPropagatorFromEnv;
  if (typeof build === 'function') return build();
  pluginDiag.warn(
    'cannot reach the SDK propagator builder; OTEL_PROPAGATORS is ignored, W3C trace context and baggage apply',
  );
  return undefined;
}

interface SamplerBuilders {
  createSamplerFromEnv?: () => Sampler;
}

/**
 * The sampler `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` configure, built by the SDK's own
 * code (internal to the pinned version, next to the builders above); undefined when it cannot be
 * reached, and the plugin's sampler then wraps the SDK's default.
 */
export function samplerFromEnv(): Sampler | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above: a file the SDK's exports do not name
    const { createSamplerFromEnv } = require(
      join(dirname(require.resolve('@opentelemetry/sdk-node')), 'create-from-env.cjs'),
    ) as SamplerBuilders;
    if (typeof createSamplerFromEnv === 'function') return createSamplerFromEnv();
  } catch {
    // reported below
  }
  pluginDiag.warn(
    'cannot reach the SDK sampler builder; OTEL_TRACES_SAMPLER is ignored, parent-based always-on applies',
  );
  return undefined;
}
