/** Kafka's limit: topic directories are "<name>-<partition>" and must stay under 255 bytes. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, or undefined when it is. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return "topic name is empty";
  if (name === "." || name === "..") return `topic name cannot be '${name}'`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL_TOPIC_CHARS.test(name)) return `topic name '${name}' contains characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

/** '.' and '_' collide in metric names, so Kafka refuses topics differing only by them. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, "_");
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(["__consumer_offsets", "__transaction_state"]);
