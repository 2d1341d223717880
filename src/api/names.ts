// The API's vocabulary beyond the schema: resource plurals, labels, annotations and field
// managers. One place, so the operator, the runtime and the CLI spell them the same way.
import { GROUP, VERSION } from './schema.ts';

export { API_VERSION, GROUP, VERSION } from './schema.ts';

export const PLURAL = { Chatbot: 'chatbots', Sender: 'senders' } as const;

/** Server-side apply / update field managers (they name the writer in managedFields). */
export const FIELD_MANAGER = { operator: 'chatbot-operator', runtime: 'chatbot-runtime' } as const;
/** events.k8s.io reportingController of the operator. */
export const CONTROLLER_NAME = 'chatbots.dev/operator';

/** A new value (RFC 3339) is a new activation moment: a preempted bot claims its sender again. */
export const REACTIVATE_ANNOTATION = 'chatbots.dev/reactivate';

/** On every ControllerRevision of a chatbot: the chatbot's name. */
export const REVISION_LABEL = 'chatbots.dev/chatbot';

/** On every sender Lease (one per channel and address, in the operator's namespace). */
export const LEASE_LABEL = 'chatbots.dev/sender-lease';
// Lease annotations carrying the holder's claim, so every replica orders claims the same way.
export const ANN_MOMENT = 'chatbots.dev/claim-moment';
export const ANN_CREATED = 'chatbots.dev/claim-created';
export const ANN_CHANNEL = 'chatbots.dev/channel';
export const ANN_ADDRESS = 'chatbots.dev/address';
/** The holder's uid: a Chatbot deleted and created again under the same name is not the holder. */
export const ANN_HOLDER_UID = 'chatbots.dev/holder-uid';

/** List path for one of our kinds: all namespaces, or one. */
export function collectionPath(plural: string, namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`
    : `/apis/${GROUP}/${VERSION}/${plural}`;
}
