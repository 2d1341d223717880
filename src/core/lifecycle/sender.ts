// The decision for one Sender: its status mirrors the sender's Lease (who holds it, since when) and
// says whether the Sender manifest is valid. Pure: the shell reads the Sender and its Lease, calls
// decideSender(), and writes the status when it changed.
import type { Sender, SenderStatus } from '../../api/schema.ts';
import type { LeaseView } from '../claims/claim.ts';
import { type ConditionInput, mergeConditions } from '../conditions.ts';
import { rfc3339 } from '../time.ts';
import { validateSender } from '../validation/index.ts';
import { validationMessage } from '../validation/status.ts';
import { ConditionType, SenderReadyReason, StalledReason, ValidatedReason } from './reasons.ts';

export interface SenderObserved {
  sender: Sender;
  /** The sender's Lease, when it exists. */
  lease?: LeaseView;
}

export function decideSender(obs: SenderObserved, now: Date): { status: SenderStatus } {
  const { sender, lease } = obs;
  const issues = validateSender(sender);
  const valid = !issues.some((i) => i.severity === 'Error');
  const message = validationMessage(issues);
  const holder = chatbotHolding(lease, now);
  const generation = sender.metadata.generation;
  const conditions: ConditionInput[] = [
    senderReadyCondition(valid, message, lease?.holder),
    valid
      ? { type: ConditionType.Validated, status: 'True', reason: ValidatedReason.Valid, message }
      : { type: ConditionType.Validated, status: 'False', reason: ValidatedReason.ValidationFailed, message },
    // kstatus (Flux) reads Stalled=True as Failed: an invalid Sender waits for its manifest to be fixed.
    ...(valid
      ? []
      : [
          {
            type: ConditionType.Stalled,
            status: 'True' as const,
            reason: StalledReason.ValidationFailed,
            message: `Fix the manifest: ${message}`,
          },
        ]),
  ];
  return {
    status: {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: mergeConditions(sender.status?.conditions, conditions, generation, now),
      ...(holder ? { holder } : {}),
    },
  };
}

/** status.holder: the chatbot named by the Lease, since it acquired the sender (else since now). */
export function chatbotHolding(lease: LeaseView | undefined, now: Date): SenderStatus['holder'] {
  const key = lease?.holder;
  if (!key) return undefined;
  const slash = key.indexOf('/'); // holders are namespace/name
  return {
    namespace: key.slice(0, slash),
    name: key.slice(slash + 1),
    since: rfc3339(lease.acquireTime ?? now),
  };
}

function senderReadyCondition(valid: boolean, message: string, holder: string | undefined): ConditionInput {
  if (!valid) {
    return {
      type: ConditionType.Ready,
      status: 'False',
      reason: SenderReadyReason.ValidationFailed,
      message,
    };
  }
  return holder
    ? {
        type: ConditionType.Ready,
        status: 'True',
        reason: SenderReadyReason.Held,
        message: `Held by chatbot ${holder}`,
      }
    : {
        type: ConditionType.Ready,
        status: 'True',
        reason: SenderReadyReason.Available,
        message: 'No active chatbot holds this sender',
      };
}
