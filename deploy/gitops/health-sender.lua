-- Argo CD health check for chatbots.dev/Sender (chatbot-operator).
-- Written for Argo CD's sandbox: gopher-lua (Lua 5.1) with only the base and table libraries
-- (no string or math library), `obj` the Sender as the API server returns it.
--   Ready=True (Held by a chatbot, or Available)  -> Healthy
--   Ready=False (ValidationFailed), Stalled=True   -> Degraded
--   no status yet, generation not yet observed     -> Progressing
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function messageOf(c, default)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return default
end

local status = obj.status
local ready = condition("Ready")
if status == nil or ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the sender's status"
  return hs
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator: generation " .. tostring(generation) ..
    " is not observed yet (observed " .. tostring(status.observedGeneration) .. ")"
  return hs
end

if ready.status == "False" and ready.reason == "ValidationFailed" then
  hs.status = "Degraded"
  hs.message = "Invalid: " .. messageOf(ready, "the Sender manifest has errors")
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = messageOf(stalled, "The sender is stalled")
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = messageOf(ready, "Ready")
  return hs
end


hs.status = "Progressing"
hs.message = messageOf(ready, "Not ready")
return hs
