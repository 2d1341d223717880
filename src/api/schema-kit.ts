// The building blocks of the API schema (schema.ts, definition.ts): strings with limits, names,
// enums, durations, wall times, maps and timestamps, each as the CRD and ajv read them.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { durationRule, toValidations } from './rules.ts';

export const str = (description: string, opts: Record<string, unknown> = {}) =>
  Type.String({ description, maxLength: 4096, ...opts });
export const name = (description: string) => Type.String({ description, maxLength: 253 });
export const literalUnion = <T extends readonly string[]>(values: T, description: string, opts = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description, ...opts });

export const Duration = (description: string, dflt: string) =>
  Type.String({
    description: `${description} A duration such as 0s, 30s, 15m or 1h30m.`,
    default: dflt,
    maxLength: 64,
    'x-kubernetes-validations': toValidations([durationRule]),
  });

export const WallTime = (description: string) =>
  Type.String({
    description: `${description} Local wall time in schedule.timeZone: YYYY-MM-DDTHH:MM, seconds optional.`,
    pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$',
    maxLength: 19,
  });

// A string-keyed map: structural schemas take additionalProperties, not TypeBox's patternProperties.
export const StringMap = <V extends TSchema>(value: V, description: string) =>
  Type.Unsafe<Record<string, Static<V>>>({ type: 'object', additionalProperties: value, description });

export const Time = (description: string) => Type.String({ description, format: 'date-time', maxLength: 64 });
