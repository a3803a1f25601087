// Consumer group APIs (group coordinator).
import { deleteGroupsHandler } from "./delete-groups.js";
import { describeGroupsHandler } from "./describe-groups.js";
import { findCoordinatorHandler } from "./find-coordinator.js";
import { heartbeatHandler } from "./heartbeat.js";
import { joinGroupHandler } from "./join-group.js";
import { leaveGroupHandler } from "./leave-group.js";
import { listGroupsHandler } from "./list-groups.js";
import { offsetCommitHandler } from "./offset-commit.js";
import { offsetDeleteHandler } from "./offset-delete.js";
import { offsetFetchHandler } from "./offset-fetch.js";
import { syncGroupHandler } from "./sync-group.js";
import { alterConfigsHandler } from "./alter-configs.js";
import { alterPartitionReassignmentsHandler } from "./alter-partition-reassignments.js";
import { apiVersionsHandler } from "./api-versions.js";
import { createPartitionsHandler } from "./create-partitions.js";
import { createTopicsHandler } from "./create-topics.js";
import { deleteRecordsHandler } from "./delete-records.js";
import { deleteTopicsHandler } from "./delete-topics.js";
import { describeAclsHandler } from "./describe-acls.js";
import { describeClusterHandler } from "./describe-cluster.js";
import { describeConfigsHandler } from "./describe-configs.js";
import { describeLogDirsHandler } from "./describe-log-dirs.js";
import { describeQuorumHandler } from "./describe-quorum.js";
import { electLeadersHandler } from "./elect-leaders.js";
import { fetchHandler } from "./fetch.js";
import type { ApiHandler } from "./handler.js";
import { incrementalAlterConfigsHandler } from "./incremental-alter-configs.js";
import { initProducerIdHandler } from "./init-producer-id.js";
import { listOffsetsHandler } from "./list-offsets.js";
import { listPartitionReassignmentsHandler } from "./list-partition-reassignments.js";
import { metadataHandler } from "./metadata.js";
import { offsetForLeaderEpochHandler } from "./offset-for-leader-epoch.js";
import { produceHandler } from "./produce.js";

/** Every API the single-node broker serves. */
export const ALL_HANDLERS: readonly ApiHandler<any>[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeAclsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  // consumer groups
  findCoordinatorHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  listGroupsHandler,
  describeGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  // idempotent producers
  initProducerIdHandler,
  // metadata quorum
  describeQuorumHandler,
  // replica placement
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  electLeadersHandler,
];
