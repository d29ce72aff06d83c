// The built-in catalogue (repository `providers/`), bundled as text by the wrangler Text rule.
// Each ships `enabled: false`: switch on the ones you use (or import your own copies instead),
// then `wrangler secret put` the variables their comment block names.
import type { ConfigSource } from "@outpost/adapter-workers";
import anthropic from "../../../../providers/anthropic.yaml";
import braveSearch from "../../../../providers/brave-search.yaml";
import gemini from "../../../../providers/gemini.yaml";
import github from "../../../../providers/github.yaml";
import jira from "../../../../providers/jira.yaml";
import linear from "../../../../providers/linear.yaml";
import notion from "../../../../providers/notion.yaml";
import openai from "../../../../providers/openai.yaml";
import sendgrid from "../../../../providers/sendgrid.yaml";
import slack from "../../../../providers/slack.yaml";
import stripe from "../../../../providers/stripe.yaml";
import twilio from "../../../../providers/twilio.yaml";

/** File names as an operator knows them: configuration errors name them. */
export const PROVIDERS: readonly ConfigSource[] = [
  { file: "providers/anthropic.yaml", text: anthropic },
  { file: "providers/brave-search.yaml", text: braveSearch },
  { file: "providers/gemini.yaml", text: gemini },
  { file: "providers/github.yaml", text: github },
  { file: "providers/jira.yaml", text: jira },
  { file: "providers/linear.yaml", text: linear },
  { file: "providers/notion.yaml", text: notion },
  { file: "providers/openai.yaml", text: openai },
  { file: "providers/sendgrid.yaml", text: sendgrid },
  { file: "providers/slack.yaml", text: slack },
  { file: "providers/stripe.yaml", text: stripe },
  { file: "providers/twilio.yaml", text: twilio },
];
