// Reader for data_inventory.yaml: the app's data items and the flows each takes.
#include <fmt/format.h>

#include "load/sections.h"

namespace flowgate {

void read_inventory(const YamlNode& node, const SourceFile&, LoadState& state) {
  const auto* items = read_list(node, "'inventory'", state.sink);
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    std::string what = fmt::format("inventory item #{}", i + 1);
    if (const YamlNode* id = item.is_map() ? item.find("id") : nullptr; id && id->is_scalar()) {
      what = fmt::format("inventory item '{}'", id->scalar);
    }
    Fields fields(item, what, state.sink,
                  {"id", "data", "source", "citations", "flows", "period", "note"});
    if (!fields.is_map()) continue;
    InventoryItem entry;
    entry.location = item.location;
    if (auto id = fields.id("id", true)) entry.id = id->id;
    if (auto data = fields.id("data", true)) entry.data = *data;
    if (auto source = read_choice<DataSource>(fields, "source", true,
                                              {{"camera", DataSource::kCamera},
                                               {"microphone", DataSource::kMicrophone},
                                               {"album", DataSource::kAlbum},
                                               {"app_store", DataSource::kAppStore},
                                               {"automatic", DataSource::kAutomatic},
                                               {"user_written", DataSource::kUserWritten}})) {
      entry.source = *source;
    }
    entry.citations = fields.citations("citations", true);
    entry.period = read_period(fields, nullptr);
    entry.note = fields.string("note", false).value_or("");
    if (const YamlNode* flows = fields.require("flows")) {
      if (const auto* list = read_list(*flows, fmt::format("'flows' of {}", what), state.sink)) {
        for (size_t k = 0; k < list->size(); ++k) {
          Fields ff((*list)[k], fmt::format("flow #{} of {}", k + 1, what), state.sink,
                    {"action", "purpose", "recipient", "destination"});
          if (!ff.is_map()) continue;
          InventoryFlow flow;
          flow.location = (*list)[k].location;
          auto action = read_choice<Action>(
              ff, "action", true, {{"collect", Action::kCollect}, {"transmit", Action::kTransmit}});
          auto purpose = ff.id("purpose", true);
          auto recipient = ff.id("recipient", true);
          auto destination = ff.id("destination", true);
          if (!action || !purpose || !recipient || !destination) continue;
          flow.action = *action;
          flow.purpose = *purpose;
          flow.recipient = *recipient;
          flow.destination = *destination;
          entry.flows.push_back(std::move(flow));
        }
      }
    }
    state.policy.inventory.push_back(std::move(entry));
  }
}

}  // namespace flowgate
