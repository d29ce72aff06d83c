import { describeStorageConformance } from "../testing/storage-conformance.js";
import { memoryStorage } from "./memory-storage.js";

describeStorageConformance({ name: "memory", create: (clock) => memoryStorage({ clock }), usesClock: true });
