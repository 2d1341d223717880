// The conversation a Chatbot runs (spec.definition): dialogs of elements, and intents for AI
// routing. Part of the one API schema (schema.ts); ControllerRevisions carry it as it was applied.
import { type Static, Type } from '@sinclair/typebox';
import { name, str } from './schema-kit.ts';

export const ButtonItem = Type.Object({
  caption: str('Text shown inside the button.', { maxLength: 256 }),
  goTo: Type.Optional(name('Dialog to go to when the button is pressed.')),
  url: Type.Optional(str('URL opened by the button (call to action).', { maxLength: 2048 })),
});

export const Element = Type.Object(
  {
    text: Type.Optional(str('Send a text message; {{variable}} is replaced with a session attribute.')),
    buttons: Type.Optional(
      Type.Object(
        {
          message: str('Text shown along with the buttons.'),
          items: Type.Array(ButtonItem, { maxItems: 16 }),
        },
        { description: 'Send a message with reply or URL buttons.' },
      ),
    ),
    userInput: Type.Optional(
      Type.Object(
        { saveAs: name('Session attribute the reply is saved in.') },
        { description: 'Wait for the end user to reply.' },
      ),
    ),
    route: Type.Optional(
      Type.Object(
        {
          intents: Type.Optional(
            Type.Array(Type.Object({ intent: name('Intent name.'), goTo: name('Dialog to go to.') }), {
              maxItems: 200,
            }),
          ),
          keywords: Type.Optional(
            Type.Array(
              Type.Object({
                match: Type.Array(str('Keyword (case-insensitive, whole word).', { maxLength: 256 }), {
                  maxItems: 100,
                }),
                goTo: name('Dialog to go to.'),
              }),
              { maxItems: 200 },
            ),
          ),
          otherwise: Type.Optional(name('Dialog to go to when nothing matches.')),
        },
        { description: 'Route the last user reply by intent or keyword.' },
      ),
    ),
    goTo: Type.Optional(name('Continue in another dialog.')),
    toAgent: Type.Optional(
      Type.Object(
        { queue: Type.Optional(name('Agent queue.')) },
        { description: 'Hand the conversation over to a human agent.' },
      ),
    ),
    closeSession: Type.Optional(
      Type.Object({ message: Type.Optional(str('Goodbye message.')) }, { description: 'End the session.' }),
    ),
  },
  {
    description:
      'One step of a dialog: exactly one of text, buttons, userInput, route, goTo, toAgent, closeSession.',
    minProperties: 1,
    maxProperties: 1,
  },
);
export type Element = Static<typeof Element>;

export const Dialog = Type.Object({
  name: name('Dialog name, unique in the chatbot.'),
  elements: Type.Array(Element, { maxItems: 200 }),
});
export type Dialog = Static<typeof Dialog>;

export const Intent = Type.Object({
  name: name('Intent name, unique in the chatbot.'),
  trainingPhrases: Type.Array(str('A phrase end users say for this intent.', { maxLength: 1024 }), {
    maxItems: 1000,
  }),
});
export type Intent = Static<typeof Intent>;

export const Definition = Type.Object(
  {
    startDialog: Type.Optional(name('Dialog every new session starts in.')),
    fallbackDialog: Type.Optional(name('Dialog used when nothing else matches.')),
    dialogs: Type.Array(Dialog, { maxItems: 1000 }),
    intents: Type.Optional(Type.Array(Intent, { maxItems: 500 })),
  },
  {
    description:
      'The conversation: dialogs of elements, and intents for AI routing. At most 1 MiB of JSON ' +
      '(DefinitionTooLarge), and at most 10 million units of intent training (IntentTrainingTooLarge).',
  },
);
export type Definition = Static<typeof Definition>;
