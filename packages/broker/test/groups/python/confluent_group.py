"""Consumer-group check with confluent-kafka-python (librdkafka) for the Samsa tests.

Usage: confluent_group.py BOOTSTRAP TOPIC GROUP MODE COUNT
  MODE "spread": two members with the cooperative-sticky assignor wait until they
    share the topic's partitions, then this script produces COUNT records and both
    consume until all are read, committing synchronously after each record.
  MODE "resume": one member reads what the group has not committed yet, until
    COUNT records were read or nothing arrives for a while, and commits.
  MODE "static": two static members (group.instance.id, range assignor) settle,
    then one is closed and restarted with the same instance id; reports both
    assignments before and after and how often the other member saw a
    rebalance (KIP-345: none expected). COUNT is unused.
Prints one JSON object on stdout. Every loop is bounded in time.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer

bootstrap, topic, group, mode, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
DEADLINE_S = 40
IDLE_S = 3


def consumer(name, instance_id=None, on_assign=None, on_revoke=None):
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": name,
        "partition.assignment.strategy": "range" if instance_id else "cooperative-sticky",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
        "topic.metadata.refresh.interval.ms": 1000,
    }
    if instance_id:
        config["group.instance.id"] = instance_id
    c = Consumer(config)
    callbacks = {}
    if on_assign:
        callbacks["on_assign"] = on_assign
    if on_revoke:
        callbacks["on_revoke"] = on_revoke
    c.subscribe([topic], **callbacks)
    return c


def static_restart():
    errors, events = [], []
    start = time.time()
    m1 = consumer("m1", "static-m1")
    m2 = consumer("m2", "static-m2", on_assign=lambda c, ps: events.append("assign"), on_revoke=lambda c, ps: events.append("revoke"))
    partitions = len(m1.list_topics(topic, timeout=10).topics[topic].partitions)

    def poll_until_settled(members):
        """Polls until the members own every partition between them; their assignments, or None at the deadline."""
        while time.time() - start < DEADLINE_S:
            for c in members:
                c.poll(0.1)
            owned = [sorted(tp.partition for tp in c.assignment()) for c in members]
            if all(owned) and sorted(sum(owned, [])) == list(range(partitions)):
                return owned
        return None

    before = poll_until_settled((m1, m2))
    events_before_restart = len(events)
    m1.close()  # a static member sends no LeaveGroup
    m1 = consumer("m1", "static-m1")
    after = poll_until_settled((m1, m2))
    # Give a rebalance that should not happen time to show up at m2.
    quiet_until = time.time() + 2
    while time.time() < quiet_until:
        for c in (m1, m2):
            c.poll(0.1)
    # Taken before closing: closing m2 revokes its partitions itself.
    m2_events = events[events_before_restart:]
    for c in (m1, m2):
        c.close()
    print(json.dumps({"before": before, "after": after, "m2EventsAfterRestart": m2_events, "errors": errors}))


def poll_into(name, c, seen, errors):
    msg = c.poll(0.1)
    if msg is None:
        return False
    if msg.error():
        errors.append(str(msg.error()))
        return False
    seen.append({"member": name, "partition": msg.partition(), "offset": msg.offset(), "value": msg.value().decode()})
    try:
        c.commit(message=msg, asynchronous=False)
    except KafkaException as e:
        errors.append("commit: " + str(e))
    return True


def main():
    if mode == "static":
        static_restart()
        return
    seen, errors = [], []
    start = time.time()
    if mode == "spread":
        members = {"m1": consumer("m1"), "m2": consumer("m2")}
        assignments = {}
        partitions = len(members["m1"].list_topics(topic, timeout=10).topics[topic].partitions)
        while time.time() - start < DEADLINE_S:
            for name, c in members.items():
                poll_into(name, c, seen, errors)
                assignments[name] = sorted(tp.partition for tp in c.assignment())
            owned = assignments.get("m1", []) + assignments.get("m2", [])
            if all(assignments.get(n) for n in members) and sorted(owned) == list(range(partitions)):
                break
        p = Producer({"bootstrap.servers": bootstrap})
        for i in range(count):
            p.produce(topic, value=("py-%d" % i).encode(), partition=i % partitions)
        p.flush(20)
        while len(seen) < count and time.time() - start < DEADLINE_S:
            for name, c in members.items():
                poll_into(name, c, seen, errors)
        for c in members.values():
            c.close()
        print(json.dumps({"seen": seen, "assignments": assignments, "errors": errors}))
        return
    c = consumer("resumer")
    last = None  # the idle clock starts once the member has partitions
    while len(seen) < count and time.time() - start < DEADLINE_S and (last is None or time.time() - last < IDLE_S):
        if poll_into("resumer", c, seen, errors) or (last is None and c.assignment()):
            last = time.time()
    c.close()
    print(json.dumps({"seen": seen, "errors": errors}))


main()
