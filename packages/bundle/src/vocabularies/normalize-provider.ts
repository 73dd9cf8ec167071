/** Suffixes that name a provider's API rather than the provider (`openai.chat`, `anthropic.messages`). */
const API_SUFFIXES: ReadonlySet<string> = new Set([
  'chat',
  'responses',
  'completion',
  'completions',
  'embedding',
  'embeddings',
  'messages',
  'image',
  'transcription',
  'speech',
]);

/** Other spellings of the GenAI conventions' well-known `gen_ai.provider.name` values. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['amazon-bedrock', 'aws.bedrock'],
  ['bedrock', 'aws.bedrock'],
  ['azure-openai', 'azure.ai.openai'],
  ['google.generative-ai', 'gcp.gemini'],
  ['google.vertex', 'gcp.vertex_ai'],
  ['vertexai', 'gcp.vertex_ai'],
  ['mistral', 'mistral_ai'],
  ['mistralai', 'mistral_ai'],
  ['xai', 'x_ai'],
]);

/**
 * The provider as the GenAI conventions name it: lower case, without an API suffix, aliases
 * resolved. The receipt keeps the raw value beside it.
 *
 * @example
 * normalizeProvider('openai.responses'); // 'openai'
 * normalizeProvider('OpenAI'); // 'openai'
 */
export function normalizeProvider(raw: string): string {
  let name = raw.trim().toLowerCase();
  const dot = name.lastIndexOf('.');
  if (dot > 0 && API_SUFFIXES.has(name.slice(dot + 1))) name = name.slice(0, dot);
  return ALIASES.get(name) ?? name;
}
