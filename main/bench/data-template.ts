/** A ChatML template with a default system prompt (as Qwen2 models ship), for the data benchmark. */
export const QWEN_LIKE_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' %}{%- set system = messages[0]['content'] %}{%- set rest = messages[1:] %}" +
  "{%- else %}{%- set system = 'You are a helpful assistant.' %}{%- set rest = messages %}{%- endif %}" +
  "{{ '<|im_start|>system\\n' + system + '<|im_end|>\\n' }}" +
  "{%- for message in rest %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
