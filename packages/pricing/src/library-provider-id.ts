/**
 * Our normalized provider names (the GenAI conventions' `gen_ai.provider.name` values, see
 * `normalizeProvider` in `@llm-workbench/bundle`) whose id in `@pydantic/genai-prices` differs.
 * Names not listed (`openai`, `anthropic`, `groq`, `deepseek`, `cohere`, `perplexity`, ...) are
 * passed as they are, and the library matches them by id or by its own provider patterns.
 */
const LIBRARY_PROVIDER_IDS: ReadonlyMap<string, string> = new Map([
  ['aws.bedrock', 'aws'],
  // Azure's own price list (it falls back to OpenAI's, Anthropic's, ... for models it lacks).
  ['azure.ai.openai', 'azure'],
  ['azure.ai.inference', 'azure'],
  ['gcp.gemini', 'google'],
  ['gcp.vertex_ai', 'google'],
  ['gcp.gen_ai', 'google'],
  ['mistral_ai', 'mistral'],
  ['x_ai', 'x-ai'],
]);

/**
 * The `@pydantic/genai-prices` provider id for one of our provider names.
 *
 * @example
 * libraryProviderId('aws.bedrock'); // 'aws'
 * libraryProviderId('openai'); // 'openai'
 */
export function libraryProviderId(provider: string): string {
  const name = provider.trim().toLowerCase();
  return LIBRARY_PROVIDER_IDS.get(name) ?? name;
}
