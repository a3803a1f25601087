import { ApiKey } from "@samsa/protocol";
import { clientApi } from "./api-spec.js";

// Version floors: record batch v2 (magic 2) needs Produce v3 / Fetch v4, the
// only format the broker stores. Ceilings: the newest versions whose
// semantics the client implements (Fetch v13+ names topics by id only).
export const apiVersionsApi = clientApi(ApiKey.ApiVersions, 0, 3);
export const metadataApi = clientApi(ApiKey.Metadata, 1, 12);
export const produceApi = clientApi(ApiKey.Produce, 3, 11);
export const fetchApi = clientApi(ApiKey.Fetch, 4, 12);
export const listOffsetsApi = clientApi(ApiKey.ListOffsets, 1, 10);
export const createTopicsApi = clientApi(ApiKey.CreateTopics, 2, 7);
export const deleteTopicsApi = clientApi(ApiKey.DeleteTopics, 1, 6);
export const deleteRecordsApi = clientApi(ApiKey.DeleteRecords, 0, 2);
export const createPartitionsApi = clientApi(ApiKey.CreatePartitions, 0, 3);
export const describeConfigsApi = clientApi(ApiKey.DescribeConfigs, 1, 4);
export const alterConfigsApi = clientApi(ApiKey.AlterConfigs, 0, 2);
export const incrementalAlterConfigsApi = clientApi(ApiKey.IncrementalAlterConfigs, 0, 1);
export const describeClusterApi = clientApi(ApiKey.DescribeCluster, 0, 1);
