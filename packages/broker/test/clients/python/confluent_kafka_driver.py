"""confluent-kafka-python (librdkafka) driver for the compatibility test."""
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from driver_loop import b64, codec_chunks, load_records, serve, write_json

bootstrap = sys.argv[1]
producers = {}  # codec -> Producer, kept across the broker restart so they must reconnect


def admin():
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})


def create_topic(topic, partitions):
    client = admin()  # must stay referenced until the future resolves, or librdkafka destroys the handle
    futures = client.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)], request_timeout=15)
    futures[topic].result(timeout=20)
    return None


def delete_topic(topic):
    client = admin()
    futures = client.delete_topics([topic], request_timeout=15)
    futures[topic].result(timeout=20)
    return None


def producer_for(codec):
    if codec not in producers:
        producers[codec] = Producer({
            "bootstrap.servers": bootstrap,
            "compression.codec": codec,
            "acks": "all",
            "linger.ms": 5,
            "message.timeout.ms": 30000,
            "enable.idempotence": False,
        })
    return producers[codec]


def produce(topic, file, start, end, codecs, timeout_s):
    records = load_records(file, start, end)
    acked = []
    errors = []

    def on_delivery(index):
        def report(error, message):
            if error is not None:
                errors.append("record %d: %s" % (index, error))
            else:
                acked.append({"index": index, "partition": message.partition(), "offset": message.offset()})
        return report

    deadline = time.monotonic() + timeout_s
    for codec, chunk in codec_chunks(records, codecs):
        producer = producer_for(codec)
        for record in chunk:
            while True:
                try:
                    producer.produce(
                        topic,
                        value=record["value"],
                        key=record["key"],
                        partition=record["partition"],
                        timestamp=record["timestamp"],
                        headers=record["headers"],
                        on_delivery=on_delivery(record["index"]),
                    )
                    break
                except BufferError:
                    if time.monotonic() > deadline:
                        raise TimeoutError("local produce queue stayed full")
                    producer.poll(0.05)
            producer.poll(0)
        remaining = producer.flush(max(0.1, deadline - time.monotonic()))
        if remaining:
            raise TimeoutError("%d %s records not delivered within %ss" % (remaining, codec, timeout_s))
    if errors:
        raise RuntimeError("%d delivery errors, first: %s" % (len(errors), errors[:3]))
    return acked


def consume(topic, partitions, expected_counts, out, timeout_s):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": topic + "-reader",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    })
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        read = []
        counts = {p: 0 for p in partitions}
        at_eof = set()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(counts[p] >= expected_counts[str(p)] for p in partitions) and len(at_eof) == len(partitions):
                break
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == -191:  # KafkaError._PARTITION_EOF
                    at_eof.add(message.partition())
                    continue
                raise KafkaException(message.error())
            at_eof.discard(message.partition())
            counts[message.partition()] += 1
            read.append({
                "partition": message.partition(),
                "offset": message.offset(),
                "key": b64(message.key()),
                "value": b64(message.value()),
                "headers": [[name, b64(value)] for name, value in (message.headers() or [])],
                "timestamp": message.timestamp()[1],
            })
        write_json(out, read)
        return {"read": len(read)}
    finally:
        consumer.close()


def list_offsets(topic, partitions, timestamps):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": topic + "-offsets", "enable.auto.commit": False})
    try:
        watermarks = {}
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            watermarks[str(p)] = {"earliest": low, "latest": high}
        by_timestamp = []
        for ts in timestamps:
            found = consumer.offsets_for_times([TopicPartition(topic, p, ts) for p in partitions], timeout=10)
            by_timestamp.append({"timestamp": ts, "offsets": {str(tp.partition): tp.offset for tp in found}})
        return {"watermarks": watermarks, "byTimestamp": by_timestamp}
    finally:
        consumer.close()


def exit_driver():
    for producer in producers.values():
        producer.flush(5)
    return None


serve({
    "create_topic": create_topic,
    "delete_topic": delete_topic,
    "produce": produce,
    "consume": consume,
    "list_offsets": list_offsets,
    "exit": exit_driver,
})
