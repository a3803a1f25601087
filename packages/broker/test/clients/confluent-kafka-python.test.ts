// confluent-kafka-python (Debian python3-confluent-kafka, librdkafka inside) against
// a real broker process, through python/confluent_kafka_driver.py.
import { definePythonCompatSuite } from "./python-compat-suite.js";

definePythonCompatSuite({
  title: "confluent-kafka-python (python3-confluent-kafka)",
  client: "confluent",
  script: "confluent_kafka_driver.py",
  codecs: ["gzip", "snappy", "lz4", "zstd"],
  modules: { confluent_kafka: "python3-confluent-kafka" },
});
