// Rights as a query (docs/design.md, "Rights and retention"): does a subject in a region
// have a right on a date, how long may the answer take, and which sentences of the policy and the
// law say so.
//
//   auto answer = flowgate::answer_right(policy, "US-IA", "correct", *parse_date("2026-11-29"));
//   // answer.available == false, answer.citations == {"§11.2.1"}, answer.reason = "…"
//
// A right is available when the law in force on the date grants it (the facts of the
// jurisdiction whose id is the region, or a region group holding the region on that date) or when
// the policy promises it to that subject (a `promised` rights entry whose `when` holds).
// `conditional` entries defer to the law; an `excluded` entry never removes a statutory right (the
// reason then says the policy is out of date), though a specific exclusion does override a general
// promise of the policy's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/calendar.h"
#include "model/policy.h"

namespace flowgate {

struct RightsAnswer {
  std::string region;
  std::string request;
  Date as_of;
  bool available = false;
  // From the response fact in force of the jurisdiction whose law applies, else from a response
  // promise of the policy; null when the right is not available or nothing fixes one.
  std::optional<Duration> deadline;
  std::optional<Duration> extension;
  // Sections of the rights entries that concern this right for this subject, in section order. A
  // general `conditional` statement (no `when`) gives way to the statements the policy makes for
  // the subject's region in particular (lex specialis): §7.2's "you may have the right to correct"
  // is not cited for Iowa, where §11.2.1 speaks.
  std::vector<std::string> citations;
  // The statute or article of every legal fact used: the right, the response period; when no law
  // in force grants the right, the citation of each law consulted.
  std::vector<std::string> sources;
  std::vector<std::string> entries;  // ids of the cited rights entries
  std::string reason;                // one sentence a compliance officer can read
  bool statutory = false;            // the law in force grants it
  bool promised = false;             // the policy promises it
  bool policy_out_of_date = false;   // the policy excludes a right the law grants
};

// Throws std::invalid_argument, with a message for people, when `region` is not a region id the
// policy knows or `request` is not a right id. The policy must have passed check_policy.
RightsAnswer answer_right(const Policy& policy, std::string_view region, std::string_view request,
                          Date as_of);

// Every right of the right vocabulary for one subject, in vocabulary order.
std::vector<RightsAnswer> answer_rights(const Policy& policy, std::string_view region, Date as_of);

// "P45D" → "45 days", "P1M" → "1 month": durations in reasons.
std::string describe_duration(const Duration& duration);

// "§11.2.1" before "§7.2"? No: sections compare by their numbers (§7.2 < §11.2.1).
bool section_less(const std::string& a, const std::string& b);

}  // namespace flowgate
