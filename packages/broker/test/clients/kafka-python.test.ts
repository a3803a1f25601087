// kafka-python (Debian python3-kafka) against a real broker process, through
// python/kafka_python_driver.py. Its snappy, lz4 and zstd support comes from the
// Debian packages python3-snappy, python3-lz4 and python3-zstandard.
import { definePythonCompatSuite } from "./python-compat-suite.js";

definePythonCompatSuite({
  title: "kafka-python (python3-kafka)",
  client: "kafka-python",
  script: "kafka_python_driver.py",
  codecs: ["gzip", "snappy", "lz4", "zstd"],
  modules: { kafka: "python3-kafka", snappy: "python3-snappy", lz4: "python3-lz4", zstandard: "python3-zstandard" },
});
