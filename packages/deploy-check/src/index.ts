export { loadYamlDocument, loadYamlDocuments, YamlSyntaxError, type YamlDocument } from "./yaml-documents.js";
export { modelTypeFor, schemaProblems } from "./kubernetes-schema.js";
export { unknownFieldProblems, type LabelledManifest } from "./kubernetes-fields.js";
