import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** The one step an action example shows: its action id and input, as a template holds them. */
export function exampleStep(example: TemplateExample): {
  action: string;
  input: Record<string, unknown>;
} {
  const steps = yaml.parse(example.example).steps;
  expect(steps).toHaveLength(1);
  return steps[0];
}

/** A backend token that may do everything the examples do, so only the example is on trial. */
export const EXAMPLES_BACKEND_POLICY =
  'path "*" { capabilities = ["create", "read", "update", "list"] }';

/** The writes a harness recorded, as method, path and parsed body. */
export function writtenRequests(
  writes: ReadonlyArray<{ method: string; path: string; body?: string }>,
) {
  return writes.map(w => ({
    method: w.method,
    path: w.path,
    body: w.body ? JSON.parse(w.body) : undefined,
  }));
}
