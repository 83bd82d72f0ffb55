/** Reading what clients send: enums, objects and whole numbers; input the service would refuse is a 400. */
import { badRequest } from './errors';
import type { Json } from './publicTypes';

/** Clients send enums as numbers (the TypeScript enums) or names; the service answers with camelCase names. */
export function parseEnum(value: unknown, names: string[], field: string): string {
  const index = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof index === 'number' && Number.isInteger(index) && names[index] !== undefined) return names[index];
  if (typeof value === 'string') {
    const name = names.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    if (name) return name;
  }
  throw badRequest(`The value '${String(value)}' is not valid for ${field}.`);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalInteger(value: unknown, field: string, minimum: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum)
    throw badRequest(`${field} must be a whole number of at least ${minimum}, got ${JSON.stringify(value)}.`);
  return value;
}
