// Names of the model's enums, and locating a condition's characters.
#include "model/policy.h"

namespace flowgate {

SourceLocation Condition::location_of(uint32_t text_offset) const {
  if (!file) return location;
  return scalar_char_location(*file, scalar_offset, location, text_offset);
}

const SourceFile* Policy::file(std::string_view path) const {
  for (const auto& f : files) {
    if (f->path() == path) return f.get();
  }
  if (text && text->path() == path) return text.get();
  return nullptr;
}

const char* effect_name(Effect effect) {
  switch (effect) {
    case Effect::kAllow:
      return "allow";
    case Effect::kDeny:
      return "deny";
    case Effect::kOblige:
      return "oblige";
    case Effect::kBasis:
      return "basis";
    case Effect::kRequireBasis:
      return "require_basis";
  }
  return "deny";
}

const char* action_name(Action action) {
  switch (action) {
    case Action::kAny:
      return "any";
    case Action::kCollect:
      return "collect";
    case Action::kTransmit:
      return "transmit";
  }
  return "any";
}

const char* retention_outcome_name(RetentionOutcome outcome) {
  switch (outcome) {
    case RetentionOutcome::kDelete:
      return "delete";
    case RetentionOutcome::kAnonymize:
      return "anonymize";
    case RetentionOutcome::kDeleteOrAnonymize:
      return "delete_or_anonymize";
    case RetentionOutcome::kRetain:
      return "retain";
  }
  return "retain";
}

const char* grant_name(Grant grant) {
  switch (grant) {
    case Grant::kPromised:
      return "promised";
    case Grant::kConditional:
      return "conditional";
    case Grant::kExcluded:
      return "excluded";
  }
  return "conditional";
}

const char* data_source_name(DataSource source) {
  switch (source) {
    case DataSource::kCamera:
      return "camera";
    case DataSource::kMicrophone:
      return "microphone";
    case DataSource::kAlbum:
      return "album";
    case DataSource::kAppStore:
      return "app_store";
    case DataSource::kAutomatic:
      return "automatic";
    case DataSource::kUserWritten:
      return "user_written";
  }
  return "automatic";
}

}  // namespace flowgate
