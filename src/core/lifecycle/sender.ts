// The decision for one Sender: its status mirrors the sender's Lease (who holds it, since when) and
// says whether the Sender manifest is valid. Pure: the shell reads the Sender and its Lease, calls
// decideSender(), and writes the status when it changed.
import type { Sender, SenderStatus } from '../../api/schema.ts';
import type { LeaseView } from '../claims/claim.ts';
import { type Acceptance, refusalMessage } from '../claims/ownership.ts';
import { type ConditionInput, mergeConditions } from '../conditions.ts';
import { rfc3339 } from '../time.ts';
import { validateSender } from '../validation/index.ts';
import { validationMessage } from '../validation/status.ts';
import {
  AcceptedReason,
  ConditionType,
  SenderReadyReason,
  StalledReason,
  ValidatedReason,
} from './reasons.ts';

export interface SenderObserved {
  sender: Sender;
  /** The sender's Lease, when it exists. */
  lease?: LeaseView;
  /** Whether it may use its address (ownership.ts); absent: accepted. */
  acceptance?: Acceptance;
}

export function decideSender(obs: SenderObserved, now: Date): { status: SenderStatus } {
  const { sender, lease } = obs;
  const issues = validateSender(sender);
  const valid = !issues.some((i) => i.severity === 'Error');
  const message = validationMessage(issues);
  const acceptance = obs.acceptance ?? { accepted: true, owner: sender.metadata.namespace ?? '' };
  const refusal = acceptance.accepted ? undefined : refusalMessage(sender, acceptance);
  // A refused Sender shows no holder: the Lease of its address is another namespace's business.
  const holder = refusal ? undefined : chatbotHolding(lease, now);
  const generation = sender.metadata.generation;
  const stalled: ConditionInput[] = !valid
    ? [
        {
          type: ConditionType.Stalled,
          status: 'True',
          reason: StalledReason.ValidationFailed,
          message: `Fix the manifest: ${message}`,
        },
      ]
    : refusal
      ? // kstatus (Flux) and Argo CD read Stalled=True as Failed: a person must act.
        [
          {
            type: ConditionType.Stalled,
            status: 'True',
            reason: StalledReason.AddressOwnedElsewhere,
            message: refusal,
          },
        ]
      : [];
  const conditions: ConditionInput[] = [
    senderReadyCondition(valid, message, lease?.holder, refusal),
    valid
      ? { type: ConditionType.Validated, status: 'True', reason: ValidatedReason.Valid, message }
      : { type: ConditionType.Validated, status: 'False', reason: ValidatedReason.ValidationFailed, message },
    acceptedCondition(acceptance, refusal),
    ...stalled,
  ];
  return {
    status: {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: mergeConditions(sender.status?.conditions, conditions, generation, now),
      ...(holder ? { holder } : {}),
    },
  };
}

function acceptedCondition(acceptance: Acceptance, refusal: string | undefined): ConditionInput {
  if (refusal) {
    return {
      type: ConditionType.Accepted,
      status: 'False',
      reason: AcceptedReason.AddressOwnedElsewhere,
      message: refusal,
    };
  }
  const grantedBy = acceptance.accepted ? acceptance.grantedBy : undefined;
  return grantedBy
    ? {
        type: ConditionType.Accepted,
        status: 'True',
        reason: AcceptedReason.Granted,
        message: `Namespace ${acceptance.owner} owns the address and grants this namespace (Sender ${grantedBy})`,
      }
    : {
        type: ConditionType.Accepted,
        status: 'True',
        reason: AcceptedReason.OwnsAddress,
        message: 'This namespace owns the address',
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

function senderReadyCondition(
  valid: boolean,
  message: string,
  holder: string | undefined,
  refusal: string | undefined,
): ConditionInput {
  if (refusal)
    return {
      type: ConditionType.Ready,
      status: 'False',
      reason: SenderReadyReason.NotAccepted,
      message: refusal,
    };
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
