"""kafka-python driver for the compatibility test."""
import logging
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from driver_loop import b64, codec_chunks, load_records, serve, write_json

logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
bootstrap = sys.argv[1]
producers = {}  # codec -> KafkaProducer, kept across the broker restart so they must reconnect


def admin():
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000, client_id="samsa-compat-admin")


def create_topic(topic, partitions):
    client = admin()
    try:
        response = client.create_topics([NewTopic(name=topic, num_partitions=partitions, replication_factor=1)], timeout_ms=15000)
        errors = [(t[0], t[1]) for t in response.topic_errors if t[1] != 0]
        if errors:
            raise RuntimeError("CreateTopics errors: %s" % errors)
    finally:
        client.close()
    return None


def delete_topic(topic):
    client = admin()
    try:
        response = client.delete_topics([topic], timeout_ms=15000)
        errors = [(t[0], t[1]) for t in response.topic_error_codes if t[1] != 0]
        if errors:
            raise RuntimeError("DeleteTopics errors: %s" % errors)
    finally:
        client.close()
    return None


def producer_for(codec):
    if codec not in producers:
        producers[codec] = KafkaProducer(
            bootstrap_servers=bootstrap,
            compression_type=None if codec == "none" else codec,
            acks="all",
            linger_ms=5,
            retries=5,
            max_in_flight_requests_per_connection=1,
            request_timeout_ms=15000,
        )
    return producers[codec]


def produce(topic, file, start, end, codecs, timeout_s):
    records = load_records(file, start, end)
    acked = []
    deadline = time.monotonic() + timeout_s
    for codec, chunk in codec_chunks(records, codecs):
        producer = producer_for(codec)
        futures = []
        for record in chunk:
            futures.append((record["index"], producer.send(
                topic,
                value=record["value"],
                key=record["key"],
                headers=record["headers"],
                partition=record["partition"],
                timestamp_ms=record["timestamp"],
            )))
        producer.flush(timeout=max(0.1, deadline - time.monotonic()))
        for index, future in futures:
            metadata = future.get(timeout=max(0.1, deadline - time.monotonic()))
            acked.append({"index": index, "partition": metadata.partition, "offset": metadata.offset})
    return acked


def new_consumer(**extra):
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=15000,
        **extra
    )


def consume(topic, partitions, expected_counts, out, timeout_s):
    consumer = new_consumer()
    try:
        assigned = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        read = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(consumer.position(tp) >= ends[tp] for tp in assigned):
                break
            batches = consumer.poll(timeout_ms=200)
            for tp, messages in batches.items():
                for message in messages:
                    read.append({
                        "partition": tp.partition,
                        "offset": message.offset,
                        "key": b64(message.key),
                        "value": b64(message.value),
                        "headers": [[name, b64(value)] for name, value in (message.headers or [])],
                        "timestamp": message.timestamp,
                    })
        write_json(out, read)
        return {"read": len(read), "ends": {str(tp.partition): ends[tp] for tp in assigned}}
    finally:
        consumer.close()


def list_offsets(topic, partitions, timestamps):
    consumer = new_consumer()
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        earliest = consumer.beginning_offsets(tps)
        latest = consumer.end_offsets(tps)
        watermarks = {str(tp.partition): {"earliest": earliest[tp], "latest": latest[tp]} for tp in tps}
        by_timestamp = []
        for ts in timestamps:
            found = consumer.offsets_for_times({tp: ts for tp in tps})
            by_timestamp.append({
                "timestamp": ts,
                "offsets": {str(tp.partition): (-1 if found[tp] is None else found[tp].offset) for tp in tps},
            })
        return {"watermarks": watermarks, "byTimestamp": by_timestamp}
    finally:
        consumer.close()


def exit_driver():
    for producer in producers.values():
        producer.close(timeout=5)
    return None


serve({
    "create_topic": create_topic,
    "delete_topic": delete_topic,
    "produce": produce,
    "consume": consume,
    "list_offsets": list_offsets,
    "exit": exit_driver,
})
