import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

// The .proto files stay in src/proto and are read at runtime from both src/ and
// dist/ (each is one level below the package root), so nothing is generated.
const PROTO_DIR = fileURLToPath(new URL("../../src/proto/", import.meta.url));

const roots = new Map<string, protobuf.Root>();

export function loadProto(fileName: string): protobuf.Root {
  let root = roots.get(fileName);
  if (!root) {
    root = protobuf.loadSync(PROTO_DIR + fileName);
    root.resolveAll();
    roots.set(fileName, root);
  }
  return root;
}

/** Options that turn decoded messages into plain objects with safe-integer numbers. */
export const PLAIN_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, arrays: true, oneofs: true };
