import { describe, expect, it } from "vitest";
import { electLeaders, fenceExpiredBrokers, KafkaErrorCode, NO_LEADER } from "../src/index.js";
import { threeBrokers } from "./helpers/partition-harness.js";

describe("leader elections (ElectLeaders)", () => {
  it("unclean: gives a leaderless partition an out-of-sync live replica; refuses when none is live or a leader exists", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1, 2]]);
    const id = c.partition("t").topicId;
    const target = [{ topicId: id, partitionId: 0 }];
    expect(electLeaders(c.image, "unclean", target).response[0]!.errorCode).toBe(KafkaErrorCode.ELECTION_NOT_NEEDED);
    c.commit(fenceExpiredBrokers(c.image, [1]));
    c.commit(fenceExpiredBrokers(c.image, [2]));
    // The last ISR member stays in the ISR; the partition waits without a leader.
    expect(c.partition("t")).toMatchObject({ leader: NO_LEADER, isr: [2] });
    expect(electLeaders(c.image, "unclean", target).response[0]!.errorCode).toBe(KafkaErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    c.register(1); // back, but not in the ISR
    const [result] = c.commit(electLeaders(c.image, "unclean", target));
    expect(result).toEqual({ topicId: id, partitionId: 0, errorCode: KafkaErrorCode.NONE, leader: 1 });
    expect(c.partition("t")).toMatchObject({ leader: 1, isr: [1] });
  });

  it("preferred over all partitions reports failures but not partitions already led by their preferred replica", () => {
    const c = threeBrokers();
    c.createTopic("fine", [[1, 2]]);
    c.createTopic("stuck", [[3, 1]]);
    c.commit(fenceExpiredBrokers(c.image, [3]));
    expect(c.partition("stuck")).toMatchObject({ leader: 1, isr: [1] });
    const results = c.commit(electLeaders(c.image, "preferred", "all"));
    expect(results).toEqual([{ topicId: c.partition("stuck").topicId, partitionId: 0, errorCode: KafkaErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, leader: 1 }]);
  });
});
